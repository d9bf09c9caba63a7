// Package zoo holds the course's models as thin table rows over generic
// blocks: LeNet-5, AlexNet, VGG (with and without BatchNorm), ResNet,
// GoogLeNet and its Inception module, Inception-ResNet-v2 and its A, B and
// C blocks, Inception-ResNet-v1's A block, MobileNetV2 and its inverted
// residual block, dense and convolutional autoencoders, SegNet and UNet, plus
// small variants for 28x28 and 64x64 images.
//
// # Overview
//
// Every model implements nn.Layer, so the nn functions work on it:
// nn.NumParams, nn.Predict (which caches the compiled graph: the models
// embed nn.EvalCache), nn.Summary, nn.SaveSafetensors, nn.LoadSafetensors,
// nn.Freeze and nn.GradCheck. Models call their children through nn.Call,
// so Params and error messages carry PyTorch state_dict paths.
//
// The torchvision models (AlexNet, VGG11..VGG19, VGG11BN..VGG19BN,
// ResNet18..ResNet152, GoogLeNet, MobileNetV2) have exactly torchvision's parameter
// names, order and shapes, so a state_dict saved as safetensors by PyTorch
// loads with nn.LoadSafetensors and gives torchvision's outputs.
// BatchNorm's num_batches_tracked is not a parameter here (LoadSafetensors
// ignores it). InceptionResNetV2 has Keras's layer structure and its
// 55,813,192 trainable parameters.
//
// Families share one type and one generic constructor; the named models
// are table rows:
//
//	ResNet50(n)  = NewResNet(Bottleneck, [4]int{3, 4, 6, 3}, n)
//	VGG16BN(n)   = NewVGG(configuration D, true, n)
//
// Constructors validate their arguments and take options after the
// required ones: WithSeed, WithDtype, WithInputChannels, WithSmallInput
// (ResNet's 3x3 stem for 28x28 and 32x32 images), WithDropout, WithReLU
// (LeNet5), WithSigmoid (UNet, SegNet), WithDepth and WithBaseWidth
// (UNet), WithHidden (DenseAutoencoder). A model initialises all its
// weights once, at the end of its constructor, with nn.Initialize and the
// seed (torchvision's initialisation where it differs from PyTorch's
// defaults: Kaiming-normal fan-out ResNet and VGG convolutions, N(0, 0.01)
// VGG dense layers; Keras's Glorot-uniform for InceptionResNetV2).
//
// # Layout
//
// NCHW inputs, logits out: classifiers return (N, classes), segmentation
// models (N, classes, H, W), autoencoders the input's shape. Softmax and
// the losses live in nn and train.
//
// Models are built from nn's layers, containers and merges (nn.Add,
// nn.ScaledAdd, nn.Concat, nn.MaxUnpool2D) alone: zoo does not call ops.
//
// # Errors
//
// Constructors return errors wrapping graph.ErrArg ("zoo: ResNet18: number
// of classes must be positive, got 0"); a wrong input is an error wrapping
// graph.ErrShape that names the model and the layer path:
//
//	zoo: ResNet18: nn: Conv2D "conv1": input must have 3 channels (axis 1), got 1 in shape (1, 1, 32, 32)
//	zoo: UNet: input size (12, 8) must be divisible by 8 (2^depth, depth 3), got input shape (1, 1, 12, 8)
package zoo
