"""Streamlit-side code shared by the pages: text catalog, URL state, figures, the surface view.

`ui.figures` is pure (numpy in, plotly figure out) and testable without Streamlit."""
