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
          "converged: the start's noise no longer shows in f(a) (Σ|f(a) − f(x)| at most half of what the whole "
          "start noise does to f, a test that x plus the start noise itself fails); the convergence figure shows "
          "the inversions against the step. Every claim about a trained autoencoder also requires that it copies "
          "its clean inputs (the premise).",
    "E4": "The representation of a noisy input x̂ = α·x + (1−α)·n by the trained U-Net's output layer: is it closer to "
          "the clean image, and smoother, than x̂ itself? Closeness is a noise-to-signal ratio: the distance to x "
          "once an image is scaled so that its component along x is x itself (brightness and contrast do not count, "
          "and unlike the error after the best brightness/contrast match, which is ≈ 1 for any heavily noisy image, "
          "it can grow).",
    "E5": "The U-Net with a restrictive 100-number hidden module beside the plain U-Net: the post says it still "
          "autoencodes (and denoises) well but represents its input poorly. Reconstruction and representation "
          "errors are measured side by side on the same images.",
    "E8c": "Input representation with and without BatchNorm: the restrictive-hidden U-Net and the same architecture "
           "without BatchNorm. The post finds the trained output layer represents its input equally well either way; "
           "equivalence here means the two errors agree within ±25%.",
    "E9-repr": "Input representations of the attention models: the attention U-Net, one linear-attention block between "
               "convolutions, the same with dot-product attention, and dot-product attention alone. \"Near-perfect\" "
               "is judged against the author's reference: an error no larger than that of x + N(0,1)/18. The attention "
               "U-Net's representation (first training seed) is shown beside them; no claim rests on it.",
    "E10": "A small ViT trained here to tell which photograph a patch comes from, and the same ViT untrained: the "
           "representation of block 1 and of the last block. The post says block 1 is noisy trained or not, deep "
           "blocks only untrained, and explains block 1 by its per-patch layers: vit_b_32 maps each 3,072-number "
           "patch to 768 numbers, so block 1 cannot see most of a patch. The ViT here keeps that: 8×8 patches, "
           "192 numbers each, embedded in fewer dimensions. torchvision's vit_b_32 runs through the same code when "
           "params supply its weights.",
    "T": "The post's argument: a layer n → m < n leaves an (n − m)-dimensional set of inputs with one output, and for "
         "random, independent (untrained) layers a representation found from a start near the origin (\"perhaps "
         "uniform values\") is near-Gaussian. Checked numerically: random linear maps and random MLPs inverted by the "
         "same procedure from uniform starts; the KS distance of the sampled points' coordinates to a Gaussian, in "
         "units of exact Gaussian samples of the same length, against n − m and depth (the noise a − x₀ is shown "
         "beside: its distance must rise with n − m, as it tends to the image itself). The same statistic for the "
         "trained and untrained U-Net's representations, after the best brightness/contrast match to x.",
    "E3": "The U-Net was trained only to copy clean images. Fed corrupted validation images (the noise mix at "
          "α = 0.5, 0.3, 0.1 and pure noise at α = 0, and a Gaussian blur that is plainly visible at the resolution) "
          "with BatchNorm in train mode, in random batches at its training batch size as training drew them, does its "
          "output come closer to the clean image than its input was? Each claim is the ratio of mean errors "
          "Σ MSE(O(x̂), x) / Σ MSE(x̂, x) over images and training seeds; batches of one photograph's patches and single "
          "images are shown beside it, and claims about a model that does not copy clean images to the premise bar are "
          "inconclusive. Classical scikit-image denoisers (Gaussian blur, total variation, wavelet, non-local means), "
          "tuned on training images and given the renormalisation train-mode BatchNorm provides (each channel "
          "standardised over random batches at the U-Net's batch size, then given the data's mean and sd), show how "
          "this compares with dedicated denoisers.",
    "E6": "Manifold walks: encode a batch of validation images, then decode, re-encode and (noisy walk) add N(0, ε) to "
          "the code, 300 times, BatchNorm in train mode, starting from random batches at the training batch size. The "
          "post saw the walks generate images, saw walks move even without noise, and saw the share of moving images "
          "fall from 7/8 to about 1/8 with 200 more epochs. The noise-free walk distance RMS(g_T − g_1) is measured "
          "at every saved epoch of every seed, beside the model's one-step reconstruction error: where that error "
          "exceeds the 0.1 walk threshold every image 'walks' by it alone, so only epochs where it lies below the "
          "threshold and the model copies (the premise) are judged: the share at the first of them, the trend of the "
          "median distance over all of them, and only when they span a real share of training.",
    "E7": "Diffusion-like generation: start from N(0.7, 0.2) noise and repeat g = model(a), a = (n/N)·g + (1 − n/N)·noise "
          "for N = 30 and 200 steps, in batches of the training batch size, for every training seed. Samples are "
          "compared with validation images by a sliced Wasserstein distance on Laplacian-pyramid patches, placed "
          "between the distance real training images reach (the floor, 0) and that of phase-randomised training "
          "images (1: the data's spectrum and colours without edges or objects); a nearest-training-image distance "
          "checks for copying; high-frequency energy (detail) and the distance of a sample's low-pass layout to the "
          "nearest real one (coherence) test \"width adds detail, depth adds coherence\" between models that copy, "
          "saw as many training images, and generate images at all.",
    "E8": "BatchNorm and denoising: the restrictive-hidden U-Net with and without BatchNorm on the same noisy and "
          "blurred inputs (are outputs without BatchNorm statistically off, and is deblurring intact?), and a U-Net "
          "trained and run with batch size 1 beside the one trained with batches: \"about as well\" is judged as "
          "equivalence, the ratio of their errors within ±25% either way. Models contrasted in one claim must have "
          "seen as many training images (the reference's checkpoint at the matched budget when one is saved); "
          "otherwise the claim is inconclusive.",
    "E9": "Attention models on the denoising test: the attention U-Net, one linear-attention block between "
          "convolutions, one dot-product attention block, and attention alone, at a smaller resolution, each against "
          "the same U-Net trained at that resolution for as many images, on the same inputs. Attention alone \"does "
          "not denoise\" when it removes under 10% of its input's squared error.",
    "Beyond the post": "Claims the post argues without measuring them, judged like the others (run with params' "
                       "beyond: true). Each baseline is the post's U-Net changed in one respect, trained on the same "
                       "images for as many images seen (checked from the checkpoints): a DDPM (a timestep embedding in "
                       "every block, diffusers' DDPMScheduler) against the post's diffusion-like generation (B-ddpm, "
                       "SWD with E7's floor and ceiling); a VAE (a Gaussian posterior over the bottleneck, the ELBO with "
                       "a maximum-likelihood decoder variance) against the plain autoencoder, for the post's argument "
                       "that a Gaussian code makes images blurry (B-vae-blur: high-frequency energy of reconstructions "
                       "and of samples; the plain autoencoder samples by E7's iterated generation); and a U-Net trained "
                       "to remove E3's noise mix, the upper bound of E3's copy-trained denoiser (B-dae)."
                       " Generalisation against memorisation: two copies of the post's U-Net trained on disjoint halves "
                       "of the training photographs generate from the same noise by E7's procedure; generalising models "
                       "give nearly the same sample, memorising ones each a copy of its own training images (G-disjoint, "
                       "after Kadkhodaie et al., ICLR 2024; mean-removed cosine similarity), and G-size repeats this at "
                       "several training-set sizes for a fixed number of steps. M-attractor (after Radhakrishnan et al., "
                       "PNAS 2020) iterates the trained U-Net from training and from validation images: memorisation "
                       "makes training images attractors (the iteration stays, the Jacobian's spectral radius there "
                       "below 1) and validation images not; E6's noise-free walk is the same iteration.",
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
