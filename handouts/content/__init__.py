"""What a patient reads: measuring it (readability), checking it (lint)."""
