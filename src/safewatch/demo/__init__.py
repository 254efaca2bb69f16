"""`safewatch demo`: a narrated scenario played against the running services over HTTP."""
