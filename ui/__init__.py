"""The Streamlit side: the shell (`ui.shell`), what sections share (`ui.common`), one package
per section (`ui.sections.<slug>`), and the text catalog (`ui.text`).

Figure builders and calculations are pure (numpy in, plotly figure or numbers out) and
testable without Streamlit."""
