"""The HTTP API of shared/API.md: Django REST framework views over the same selectors and
services as the pages, with its OpenAPI schema (drf-spectacular) at /api/v1/schema/."""
