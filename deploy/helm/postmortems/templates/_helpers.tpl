{{- define "postmortems.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "postmortems.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "postmortems.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* What every container of the chart shares: the image, a locked-down security context,
plain settings (and the process's own, extraEnv), then the keys of the existing Secret. */}}
{{- define "postmortems.container" -}}
image: "{{ .root.Values.image.repository }}:{{ .root.Values.image.tag }}"
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: false
  capabilities:
    drop: ["ALL"]
env:
  {{- range $name, $value := .root.Values.env }}
  - name: {{ $name }}
    value: {{ $value | quote }}
  {{- end }}
  {{- range $name, $value := .extraEnv }}
  - name: {{ $name }}
    value: {{ $value | quote }}
  {{- end }}
  {{- if .root.Values.s3.bucket }}
  - name: AWS_STORAGE_BUCKET_NAME
    value: {{ .root.Values.s3.bucket | quote }}
  - name: AWS_S3_ENDPOINT_URL
    value: {{ .root.Values.s3.endpointUrl | quote }}
  - name: AWS_S3_REGION_NAME
    value: {{ .root.Values.s3.region | quote }}
  {{- end }}
envFrom:
  - secretRef:
      name: {{ .root.Values.existingSecret }}
{{- end -}}
