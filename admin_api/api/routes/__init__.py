"""One router per resource, all mounted under ``/api/v1`` by ``admin_api.api.main``."""
