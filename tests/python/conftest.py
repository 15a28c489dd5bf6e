"""pytest set-up for tests/python."""
import os

# Idle OpenMP threads of torch must sleep rather than spin: when the C++ build or other
# processes share the two cores, spinning makes the training tests 5-20x slower.
# libgomp reads this once, when torch is first imported, hence here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
