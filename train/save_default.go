//go:build !nnsafetensors

package train

// defaultSaveFunc is nil until nn.SaveSafetensors is merged.
func defaultSaveFunc() SaveFunc { return nil }
