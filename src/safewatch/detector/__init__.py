"""`safewatch detect`: a beacon's camera and microphone media, through Atlas, to ResQ."""
