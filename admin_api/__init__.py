"""HTTP front door for staff: FastAPI routers, auth, schemas, dashboard."""
