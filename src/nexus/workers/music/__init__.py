"""Offline music beds: a gentle chord progression (pad, arpeggio, bass) synthesised with numpy."""
