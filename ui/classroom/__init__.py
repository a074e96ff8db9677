"""Classroom mode: a teacher's class that students follow on their own screens (`store`: the
shared state, pure Python; `room`: the Streamlit side — sidebar, following, live polls)."""
