"""Media analysis: photos, video and audio from untrusted uploads, to objects, events, threats."""
