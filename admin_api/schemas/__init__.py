"""Request and response models of the admin API (pydantic v2); what ``/docs`` shows."""
