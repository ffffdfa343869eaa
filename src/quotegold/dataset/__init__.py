"""The dataset (the only package that imports `datasets`): rows, tokens, features, splits,
Parquet files, the on-disk spill and the dataset card."""
