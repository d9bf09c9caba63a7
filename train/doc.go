// Package train fits convnet models, in the manner of Keras's fit with
// PyTorch's optimizer semantics: a Trainer with Fit, Evaluate and Predict;
// optimizers (SGD with momentum, Nesterov and weight decay, Adam, AdamW,
// RMSProp); learning-rate schedules; losses; metrics; callbacks
// (EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger, custom
// ones); a per-epoch progress bar; and the training History as CSV and PNG
// (see the plot subpackage for the charts and image grids).
//
// # Overview
//
//	model, _ := nn.NewSequential(...)
//	opt, _ := train.NewAdam(1e-3)
//	tr, _ := train.New(model, train.Config{Epochs: 3, BatchSize: 64, Optimizer: opt,
//		Metrics: []train.Metric{train.NewAccuracy()}})
//	hist, err := tr.Fit(trainSet, valSet) // data.Dataset values
//	logs, err := tr.Evaluate(testSet)     // logs["loss"], logs["accuracy"]
//	hist.SaveCSV("history.csv"); hist.SavePlot("history.png")
//
// The zero Config is usable: one epoch, batches of 32, shuffling with seed
// 0, softmax cross-entropy and Adam(1e-3), a progress bar on stderr.
//
// A Gorgonia graph has a fixed batch size. The Trainer builds one training
// graph per (batch shape, dtype, set of frozen Params) and one evaluation
// graph per batch shape, and caches them; the last, smaller batch of an
// epoch is trained on with its own graph (nothing is dropped). Every graph
// binds the model's Params by reference and the optimizer updates them in
// place, so all graphs see the same weights. Freezing or unfreezing Params
// between epochs (nn.Freeze) makes the Trainer build new training graphs.
//
// Each step reads a batch (in a goroutine, one batch ahead), runs the
// graph, checks that the loss is finite (a NaN or infinite loss stops Fit
// with a NonFiniteLossError that names the epoch and the step) and hands
// the gradients of that run to the optimizer (they are read from the graph
// at every run and do not accumulate across runs).
//
// # Weights
//
// The weights belong to the model, not to a graph: every graph the Trainer
// compiles (one per batch shape, mode and set of frozen Params), every
// graph nn.Predict caches, and every graph of another Trainer on the same
// model binds the same tensors. The optimizers update those tensors in
// place after each step, and LoadSafetensors and EarlyStopping (restoring
// the best weights) write into them in place too, so a change made through
// one of them is seen by all the others at their next run. A model's Params must all be listed by
// its Params(): a graph that binds one it does not list is an error
// (nn.Apply), because such a weight would be trained but not saved.
//
// # Conventions
//
// Epochs and steps count from 1 everywhere: History, callbacks, schedules,
// messages. Models output raw scores (logits); the losses apply softmax or
// sigmoid themselves, and metrics read single-channel outputs as logits
// (positive when > 0). A model that ends in nn.Sigmoid (zoo's UNet and
// SegNet WithSigmoid) trains and scores the same: the sigmoid losses use
// the logits under that sigmoid and the metrics threshold its
// probabilities at 0.5 (see Loss and Metric). Logged keys are "loss", the
// metric names, "val_" plus those for the validation set, and "lr". A
// callback that monitors a "val_" key needs a validation set with examples:
// without one Fit fails before the first epoch.
//
// Names: a loss constructor here has the name of the ops function it wraps
// (SoftmaxCrossEntropy, BCEWithLogits, MSE, DiceLoss): ops.DiceLoss adds
// the loss node to a graph, train.DiceLoss returns the Loss that Fit
// calls it through, as torch.nn.functional.mse_loss and torch.nn.MSELoss.
// The Dice and IoU metrics are NewDice and NewIoU.
//
// Reproducibility: the same Config.Seed, model initialisation and data give
// bit-identical weights (shuffling and Dropout masks are seeded; nothing
// depends on timing).
//
// Files (History CSV and PNG, checkpoints) are written atomically: to a
// temporary file in the same directory, synced, then renamed over the
// target, so a crash or a failing write leaves the previous file intact. A
// save makes one temporary file (".name.tmp-<pid>-*"); a process killed in
// the middle of a save leaves it behind, never a partial target, and the
// next save to that target removes it. A target that is a symbolic link is
// followed: the file it points to is replaced and the link is kept.
//
// # Errors
//
// Constructors validate their arguments and return errors (never panics)
// that start with "train: " and name the function and the value received;
// they wrap graph.ErrArg or graph.ErrShape for errors.Is. Errors during Fit
// name the epoch and the step. A panic inside an op while a graph runs (a
// kernel bug) comes back from Fit, Evaluate and Predict as an error
// wrapping graph.ErrOpPanic that names the op; an empty dataset is an
// error before any graph is built.
//
// # Concurrency
//
// A Trainer is not safe for concurrent use: call Fit, Evaluate, Predict
// and Close from one goroutine at a time (callbacks run in Fit's
// goroutine and may call the Trainer's read-only methods).
//
// Its model, though, may be used while it trains: nn.Predict, from any
// number of goroutines and from callbacks, runs safely while Fit trains
// the same model. Every training step holds the write locks of the Params
// it changes (graph.LockParams) while its graph runs and while the
// optimizer updates them; evaluation graphs and nn.Predict hold read
// locks. So Predict waits for at most one step and sees the weights
// between two steps, never half an update. EarlyStopping's restore,
// graph.Param.SetValue (so nn.LoadSafetensors) and Param.Reinit take the
// same write locks. Code that writes a Param's tensor directly
// (Param.Value) or calls Param.ConvertTo (nn.SetDtype) must not run
// while another goroutine uses the model. Two Trainers may fit models
// that share Params at the same time without a data race (their steps
// take turns), though the optimizers then fight over the shared weights.
package train
