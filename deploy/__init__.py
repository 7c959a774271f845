"""Deployment files: the gunicorn config, compose's proxy config, the Helm chart, the cluster."""
