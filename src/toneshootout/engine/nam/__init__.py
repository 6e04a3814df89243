"""Neural Amp Modeler captures: parsing, validation and inference."""
