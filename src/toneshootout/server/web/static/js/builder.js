// The shootout builder (in progress).
