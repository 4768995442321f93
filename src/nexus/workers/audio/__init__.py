"""Offline text-to-speech: piper (English, neural) and espeak-ng (Mandarin), one voice catalogue."""
