"""The Textual app: app.py and its actions by job, the run flow, screens/, widgets/, themes; private Textual
internals only through textual_compat.py. Imports session/ and client/, never commands/ or the server.
"""
