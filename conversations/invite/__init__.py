"""Officers issue one-time invite codes for members who cannot link by their phone."""
