package train

import "github.com/convnet-go/convnet/nn"

// defaultSaveFunc is nn.SaveSafetensors.
func defaultSaveFunc() SaveFunc { return nn.SaveSafetensors }
