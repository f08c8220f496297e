"""Pure procedures on a model and tensors: no I/O, no globals, explicit generators."""
