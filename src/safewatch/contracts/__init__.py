"""Wire types shared between services: frozen Pydantic models, no ORM, no FastAPI."""
