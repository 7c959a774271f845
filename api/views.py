"""The REST API: thin viewsets that read through selectors and write through services.

Writes answer with the new representation and its ETag (the row's version); a write whose
If-Match names an older version is refused with 412 and the current representation.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, pagination, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api import serializers as s
from api.exceptions import PreconditionFailed
from api.filters import (
    ActionItemApiFilter,
    CauseFilter,
    ReviewFilter,
    StrictFilterBackend,
    TimelineEventFilter,
)
from api.permissions import CanEditIncidentData, TokenScope
from incidents import selectors, services
from incidents.filters import IncidentFilter
from incidents.models import (
    Cause,
    Incident,
    Service,
    Tag,
    Team,
    TimelineEvent,
    User,
    rows_visible_to,
)
from incidents.permissions import can_edit_incident
from postmortems import services as postmortem_services
from postmortems.models import Postmortem, Review
from postmortems.permissions import can_edit_postmortem
from postmortems.transitions import TRANSITIONS

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag you read ("3"); a stale one is refused with 412.',
)


class Cursor(pagination.CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request):
        """Return the page size asked for, refusing one that is not 1 to max_page_size.

        DRF would quietly fall back to the default, and a client would never learn why it
        got 50 rows when it asked for 500.
        """
        value = request.query_params.get(self.page_size_query_param, "").strip()
        if not value:
            return self.page_size
        if not value.isdigit() or not 1 <= int(value) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a number from 1 to {self.max_page_size}."]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


def etag(version: int) -> str:
    return f'"{version}"'


def _if_match_version(request) -> int | None:
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else -1


class VersionedMixin:
    """ETags on reads and writes; If-Match checked before a write."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return Response(
            self.get_serializer(instance).data, headers={"ETag": etag(instance.version)}
        )

    def expected_version(self, instance) -> int | None:
        """Return the version the client saw, refusing (412) one that is no longer current."""
        wanted = _if_match_version(self.request)
        if wanted is not None and wanted != instance.version:
            current = self.get_serializer(instance).data
            raise PreconditionFailed(current, etag(instance.version))
        return wanted

    def respond(self, instance, code=status.HTTP_200_OK) -> Response:
        instance.refresh_from_db()
        data = self.get_serializer(instance).data
        return Response(data, status=code, headers={"ETag": etag(instance.version)})


class ApiViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, TokenScope, CanEditIncidentData]
    pagination_class = Cursor
    filter_backends = [StrictFilterBackend]

    def require_incident_editor(self, incident: Incident) -> None:
        if not can_edit_incident(self.request.user, incident):
            raise PermissionDenied(
                "Only the incident's authors, commander or a manager may add this."
            )

    def writable_data(self, serializer) -> dict:
        data = dict(serializer.validated_data)
        data.pop("incident", None)
        return data


@extend_schema_view(partial_update=extend_schema(parameters=[IF_MATCH]))
class IncidentViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """Incidents with their derived durations; filters as on the incident list."""

    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.incident_list(self.request.user).prefetch_related(
            "tags", "allowed_users", "allowed_teams"
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("stranded_owners", None)  # a new incident has no items yet
        incident = services.incident_create(actor=request.user, data=data)
        return self.respond(incident, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        expected = self.expected_version(incident)
        serializer = self.get_serializer(incident, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        stranded_owners = data.pop("stranded_owners", None)
        try:
            services.incident_update(
                incident=incident,
                actor=request.user,
                data=data,
                expected_version=incident.version if expected is None else expected,
                stranded_owners=stranded_owners,
            )
        except services.StrandedOwnersError as error:
            return Response(_stranded_body(error), status=status.HTTP_400_BAD_REQUEST)
        return self.respond(incident)


def _stranded_body(error: services.StrandedOwnersError) -> dict:
    """Say who would lose sight of the incident, and how to choose (stranded_owners)."""
    return {
        "stranded_owners": [f'{error} Send again with stranded_owners: "allow" or "unassign".'],
        "stranded_items": [
            {
                "id": item.pk,
                "title": item.title,
                "owner": item.owner_id,
                "owner_username": item.owner.username,
            }
            for item in error.items
        ],
    }


class RowViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    """Timeline events, causes and action items: rows of one incident."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    create_row = None
    update_row = None
    delete_row = None
    row_name = ""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = serializer.validated_data["incident"]
        self.require_incident_editor(incident)
        row = type(self).create_row(
            incident=incident, actor=request.user, data=self.writable_data(serializer)
        )
        return self.respond(row, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        row = self.get_object()
        expected = self.expected_version(row)
        serializer = self.get_serializer(row, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "incident" in serializer.validated_data and (
            serializer.validated_data["incident"].pk != row.incident_id
        ):
            return Response(
                {"incident": ["A row cannot move to another incident."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        type(self).update_row(
            **{self.row_name: row},
            actor=request.user,
            data=self.writable_data(serializer),
            expected_version=expected,
        )
        return self.respond(row)

    def destroy(self, request, *args, **kwargs):
        row = self.get_object()
        self.expected_version(row)
        type(self).delete_row(**{self.row_name: row}, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class TimelineEventViewSet(RowViewSet):
    """Timeline entries; a chat bot or deploy script adds one with a POST."""

    serializer_class = s.TimelineEventSerializer
    filterset_class = TimelineEventFilter
    create_row = staticmethod(services.timeline_event_create)
    update_row = staticmethod(services.timeline_event_update)
    delete_row = staticmethod(services.timeline_event_delete)
    row_name = "event"

    def get_queryset(self):
        rows = TimelineEvent.objects.select_related("incident", "author")
        return visible(rows, self.request)


@extend_schema_view(
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class CauseViewSet(RowViewSet):
    """Root causes and contributing factors."""

    serializer_class = s.CauseSerializer
    filterset_class = CauseFilter
    create_row = staticmethod(services.cause_create)
    update_row = staticmethod(services.cause_update)
    delete_row = staticmethod(services.cause_delete)
    row_name = "cause"

    def get_queryset(self):
        rows = Cause.objects.select_related("incident").prefetch_related("tags")
        return visible(rows, self.request)


@extend_schema_view(
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class ActionItemViewSet(RowViewSet):
    """Action items across incidents; filters as on the board."""

    serializer_class = s.ActionItemSerializer
    filterset_class = ActionItemApiFilter
    create_row = staticmethod(services.action_item_create)
    update_row = staticmethod(services.action_item_update)
    delete_row = staticmethod(services.action_item_delete)
    row_name = "item"

    def get_queryset(self):
        return selectors.action_items_for_board(self.request.user).prefetch_related("causes")


def visible(rows, request, *, incident: str = "incident__"):
    """Leave out the rows of private incidents the requester may not see: for them, 404."""
    return rows_visible_to(rows, request.user, incident=incident)


@extend_schema_view(partial_update=extend_schema(parameters=[IF_MATCH]))
class PostmortemViewSet(VersionedMixin, mixins.ListModelMixin, mixins.UpdateModelMixin, ApiViewSet):
    """Postmortems: the narrative, and the review flow as actions."""

    serializer_class = s.PostmortemSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Each action asks its own question below: editing here, the review steps the one their
    # entry in postmortems.transitions.TRANSITIONS names.
    permission_classes = [IsAuthenticated, TokenScope]

    def get_queryset(self):
        postmortems = Postmortem.objects.select_related("incident", "template").prefetch_related(
            "authors", "reviewers", "sections"
        )
        return visible(postmortems, self.request)

    def partial_update(self, request, *args, **kwargs):
        postmortem = self.get_object()
        if not can_edit_postmortem(request.user, postmortem):
            raise PermissionDenied(
                "Only the authors, the commander and managers may edit a postmortem that is "
                "not published."
            )
        expected = self.expected_version(postmortem)
        serializer = self.get_serializer(postmortem, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.update(data.pop("incident", {}))  # summary and impact live on the incident
        if "sections" in data:
            data["sections"] = {section["key"]: section["body"] for section in data["sections"]}
        postmortem_services.postmortem_update(
            postmortem=postmortem,
            actor=request.user,
            data=data,
            expected_version=postmortem.version if expected is None else expected,
        )
        return self.respond(postmortem)

    def _transition(self, name: str, **values):
        """Make the named transition of TRANSITIONS and answer with the postmortem."""
        transition = TRANSITIONS[name]
        postmortem = self.get_object()
        if not transition.allowed(self.request.user, postmortem):
            raise PermissionDenied(transition.refusal)
        transition.make(postmortem=postmortem, actor=self.request.user, **values)
        return self.respond(postmortem)

    @extend_schema(request=s.SubmitSerializer, responses=s.PostmortemSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the draft for review; a root cause without a corrective item needs a reason."""
        serializer = s.SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition("submit", reason=serializer.validated_data["reason"])

    def _review(self, decision: str):
        serializer = s.ReviewDecisionSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition("review", decision=decision, body=serializer.validated_data["body"])

    @extend_schema(request=s.ReviewDecisionSerializer, responses=s.PostmortemSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the text as it is now."""
        return self._review(Review.Decision.APPROVE)

    @extend_schema(request=s.ReviewDecisionSerializer, responses=s.PostmortemSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        """Send the postmortem back to draft with what to change."""
        return self._review(Review.Decision.REQUEST_CHANGES)

    @extend_schema(request=None, responses=s.PostmortemSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a postmortem in review whose current text is approved."""
        return self._transition("publish")

    @extend_schema(request=s.ReopenSerializer, responses=s.PostmortemSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Turn a published postmortem back into a draft."""
        serializer = s.ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition("reopen", reason=serializer.validated_data["reason"])


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    pass


class ReviewViewSet(ReadOnlyViewSet):
    """Reviewers' comments and verdicts."""

    serializer_class = s.ReviewSerializer
    filterset_class = ReviewFilter

    def get_queryset(self):
        return visible(Review.objects.all(), self.request, incident="postmortem__incident__")


class TeamViewSet(ReadOnlyViewSet):
    serializer_class = s.TeamSerializer
    queryset = Team.objects.prefetch_related(Prefetch("members", queryset=User.objects.only("pk")))


class ServiceViewSet(ReadOnlyViewSet):
    serializer_class = s.ServiceSerializer
    queryset = Service.objects.all()


class TagViewSet(ReadOnlyViewSet):
    """Tags the requester may see: a tag used only by private incidents hidden from them
    does not exist for them (404)."""

    serializer_class = s.TagSerializer

    def get_queryset(self):
        return Tag.objects.visible_to(self.request.user)


class UserViewSet(ReadOnlyViewSet):
    serializer_class = s.UserSerializer
    queryset = User.objects.filter(is_active=True)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, *args, **kwargs):
    """Answer any other path under the API with a JSON 404, after the usual sign-in check."""
    raise NotFound("No such API path; see /api/v1/docs/.")
