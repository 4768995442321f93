"""Audio-driven mouth animation: speech envelope -> mouth shapes -> a frame-accurate H.264 clip."""
