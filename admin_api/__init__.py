"""HTTP front door for staff: FastAPI routers, auth, schemas, dashboard.

Imports ``faq`` only (never ``bot`` or ``infomigra``): the composition root hands it its
services through ``create_app``.
"""

from .app import create_app
from .config import ApiConfig, ApiServices

__all__ = ["ApiConfig", "ApiServices", "create_app"]
