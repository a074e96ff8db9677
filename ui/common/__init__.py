"""What several sections share: the surface view, figures, the racer editor, URL state, jobs, live controls."""
