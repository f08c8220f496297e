"""What each experiment section of the report says before its numbers and figures (keyed by experiment id)."""

SECTIONS: dict[str, str] = {
    "E1": "An overcomplete fully connected autoencoder (every hidden layer wider than the input) is trained on "
          "MSE, then fed noisy validation images x̂ = α·x + (1−α)·n, n ~ N(0.7, 0.2). If it had learned the identity "
          "its output would equal x̂; the post reports that the output is instead closer to the clean image.",
}
