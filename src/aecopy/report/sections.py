"""What each experiment section of the report says before its numbers and figures (keyed by experiment id)."""

SECTIONS: dict[str, str] = {
    "E1": "An overcomplete fully connected autoencoder (every hidden layer wider than the input) is trained on "
          "MSE, then fed noisy validation images x̂ = α·x + (1−α)·n, n ~ N(0.7, 0.2). If it had learned the identity "
          "its output would equal x̂; the post reports that the output is instead closer to the clean image.",
    "E2": "Input representation: the input a whose output-layer activation matches the image's, found by the author's "
          "procedure (start 0.7 + randn/20, plain gradient steps on c·Σ|f(a) − f(x)|). The post shows the untrained "
          "U-Net's representation full of noise and the trained one's clean. Noise is measured as the share of a's "
          "variance at high spatial frequencies relative to x's, after removing brightness and contrast (which "
          "train-mode BatchNorm, with each image's own statistics, leaves undetermined); BatchNorm in train mode "
          "and, as in the author's 512² script, in eval mode. A comparison only counts images whose inversion "
          "matched f(x) at least as closely as x + N(0,1)/18 does.",
    "E4": "The representation of a noisy input x̂ = α·x + (1−α)·n by the trained U-Net's output layer: is it closer to "
          "the clean image, and smoother, than x̂ itself? Distances are taken after the best brightness/contrast match.",
    "E5": "The U-Net with a restrictive 100-number hidden module beside the plain U-Net: the post says it still "
          "autoencodes (and denoises) well but represents its input poorly. Reconstruction and representation "
          "errors are measured side by side on the same images.",
    "E8c": "Input representation with and without BatchNorm: the restrictive-hidden U-Net and the same architecture "
           "without BatchNorm. The post finds the trained output layer represents its input equally well either way; "
           "equivalence here means the two errors agree within ±25%.",
    "E9-repr": "Input representations of the attention models: the attention U-Net, one linear-attention block between "
               "convolutions, the same with dot-product attention, and dot-product attention alone. \"Near-perfect\" "
               "is judged against the author's reference: an error no larger than that of x + N(0,1)/18. The attention "
               "U-Net's noisy residuals are held fixed during inversion, so that f(a) = f(x) is defined.",
    "E10": "A small ViT trained here to tell which photograph a patch comes from, and the same ViT untrained: the "
           "representation of block 1 and of the last block. The post says block 1 is noisy trained or not, deep "
           "blocks only untrained. torchvision's vit_b_32 runs through the same code when params supply its weights.",
    "T": "The post's argument: a layer n → m < n leaves an (n − m)-dimensional set of inputs with one output, and for "
         "random, independent (untrained) layers a representation found from a random start carries near-Gaussian "
         "noise. Checked numerically: random linear maps and random MLPs inverted by the same procedure, the KS "
         "distance of the representation noise a − x to a Gaussian against n − m and depth, and the same statistic "
         "for the trained and untrained U-Net.",
    "E3": "The U-Net was trained only to copy clean images. Fed corrupted validation images (the noise mix at "
          "α = 0.5, 0.3, 0.1 and pure noise at α = 0, and a Gaussian blur scaled to the resolution) with BatchNorm in "
          "train mode, does its output come closer to the clean image than its input was? Classical scikit-image "
          "denoisers (Gaussian blur, total variation, wavelet, non-local means), tuned on training images and given the "
          "same channel renormalisation that train-mode BatchNorm provides, show how this compares with dedicated "
          "denoisers.",
    "E6": "Manifold walks: encode a batch of validation images, then decode, re-encode and (noisy walk) add N(0, ε) to "
          "the code, 300 times. The post saw the walks generate images, saw walks move even without noise, and saw the "
          "share of moving images fall from 7/8 to about 1/8 with 200 more epochs. Here the noise-free walk distance "
          "RMS(g_T − g_1) is measured at several saved epochs; because a small model's one-step reconstruction error is "
          "itself near the 0.1 threshold, the trend of the median distance carries the verdict.",
    "E7": "Diffusion-like generation: start from N(0.7, 0.2) noise and repeat g = model(a), a = (n/N)·g + (1 − n/N)·noise "
          "for N = 30 and 200 steps. Samples are compared with validation images by a sliced Wasserstein distance on "
          "Laplacian-pyramid patches, placed between the distance real training images reach (the floor, 0) and that "
          "of phase-randomised training images (1: the data's spectrum and colours without edges or objects); a "
          "nearest-training-image distance checks for copying; high-frequency energy (detail) and "
          "the low-pass-level SWD (global layout) test \"width adds detail, depth adds coherence\".",
    "E8": "BatchNorm and denoising: the restrictive-hidden U-Net with and without BatchNorm on the same noisy and "
          "blurred inputs (are outputs without BatchNorm statistically off, and is deblurring intact?), and a U-Net "
          "trained and run with batch size 1 beside the one trained with batches.",
    "E9": "Attention models on the denoising test: the attention U-Net, one linear-attention block between "
          "convolutions, one dot-product attention block, and attention alone, each against the U-Net on the same inputs.",
}


def skipped_inputs_section(records: list[dict]) -> dict | None:
    """The report's Data section: what `on_bad_data: skip` left out of each user-supplied data set and
    evaluation folder (records of `aecopy.data.skipped`); None when there is none to show."""
    if not records:
        return None
    rows = [{"params key": r["key"], "path": r["path"], "images kept": r["kept"], "files skipped": len(r["skipped"]),
             "which (why)": "; ".join(f"{s['file']} ({s['reason']})" for s in r["skipped"]) or "none"}
            for r in records]
    n = sum(len(r["skipped"]) for r in records)
    text = (f"{n} unusable input file(s) were left out under on_bad_data: skip (params.yaml): every number on "
            "these sets is computed without them." if n else
            "Every file of the user-supplied data sets and evaluation folders was used.")
    return {"id": "data", "title": "Data", "text": text, "table": rows}
