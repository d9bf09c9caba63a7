//go:build !opslosses

package train

// defaultLoss is nil until the ops losses are merged.
func defaultLoss() Loss { return nil }

// defaultSaveFunc is nil until nn.SaveSafetensors is merged.
func defaultSaveFunc() SaveFunc { return nil }
