"""One module per experiment id (rule name = module = claim prefix): `run(params, inputs) -> (claims, metrics, figures)`."""
