package main

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/extest"
	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
)

// The program's logic runs end to end on a few hundred images: both
// autoencoders train, the test numbers are finite and consistent, every
// file is written, the weights load back and the JSON summary is one line.
func TestAutoencoderSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and trains; skipped with -short")
	}
	extest.NeedMNIST(t)
	out := t.TempDir()
	for _, noise := range []string{"gaussian", "saltpepper"} {
		t.Run(noise, func(t *testing.T) {
			c := config{
				TrainFlags:  recipe.TrainFlags{Epochs: 1, Batch: 32, LR: 2e-3, Seed: 1, Out: filepath.Join(out, noise), Quiet: true},
				DataFlags:   recipe.DataFlags{Limit: 192, TestLimit: 100},
				DenseEpochs: 1, Noise: noise,
			}
			res, err := run(c)
			if err != nil {
				t.Fatal(err)
			}
			if res.TrainExamples != 192 || res.TestExamples != 100 || res.Noise != noise || res.Level <= 0 {
				t.Fatalf("result %+v", res)
			}
			for _, v := range []float64{res.TestMSE, res.DenseTestMSE, res.NoisyPSNR, res.DenoisedPSNR} {
				if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
					t.Fatalf("non-finite or non-positive number in %+v", res)
				}
			}
			// PSNR is 10·log10(1/MSE) of the same test images.
			if want := 10 * math.Log10(1/res.TestMSE); math.Abs(res.DenoisedPSNR-want) > 1e-3 {
				t.Errorf("denoised PSNR %.4f dB, want 10·log10(1/%.5f) = %.4f dB", res.DenoisedPSNR, res.TestMSE, want)
			}
			if math.Abs(res.PSNRGain-(res.DenoisedPSNR-res.NoisyPSNR)) > 1e-9 {
				t.Errorf("gain %.4f dB is not denoised - noisy", res.PSNRGain)
			}
			extest.Files(t, c.Out, "codes.png", "manifold.png", "denoise.png", "dense_history.png", "denoise_history.png")
			dense, err := zoo.DenseAutoencoder(2)
			if err != nil {
				t.Fatal(err)
			}
			if err := nn.LoadSafetensors(dense, filepath.Join(c.Out, "dense.safetensors")); err != nil {
				t.Error(err)
			}
			conv, err := zoo.ConvAutoencoder()
			if err != nil {
				t.Fatal(err)
			}
			if err := nn.LoadSafetensors(conv, filepath.Join(c.Out, "denoiser.safetensors")); err != nil {
				t.Error(err)
			}
			extest.JSONLine(t, res, "test_mse", "noisy_psnr_db", "denoised_psnr_db", "dense_test_mse", "seconds")
		})
	}
}

// Bad flags are errors, not panics.
func TestAutoencoderBadFlags(t *testing.T) {
	for _, c := range []config{
		{TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 8, LR: 1e-3}, Noise: "pink"},
		{TrainFlags: recipe.TrainFlags{Epochs: 0, Batch: 8, LR: 1e-3}, Noise: "gaussian"},
		{TrainFlags: recipe.TrainFlags{Epochs: 1, Batch: 8, LR: 0}, Noise: "gaussian"},
	} {
		if _, err := run(c); err == nil {
			t.Errorf("run(%+v) succeeded", c)
		}
	}
}
