// Command benchmark times convnet training and inference steps on the four
// workloads of ../shared/bench/torch_bench.py (the PyTorch reference), built
// layer for layer with convnet's public API, and prints one JSON line per
// workload:
//
//	go run ./examples/benchmark                 # all eight workloads
//	go run ./examples/benchmark -workload W2    # one workload
//	go run ./examples/benchmark -workload W3-infer -threads 1
//	go run ./examples/benchmark -workload W1 -cpuprofile w1.prof
//
// A training step is what torch_bench.py times: run the forward and
// backward graph and one train.Adam step (lr 1e-3, betas 0.9/0.999, eps
// 1e-8), the way train.Trainer does it (gradients are read from the graph
// at every run; they do not accumulate, so there is nothing to zero).
// Inference steps (W1-infer ... W4-infer) run the same model's evaluation
// graph (graph.Eval: batch norm uses its running statistics) forward only,
// as torch_bench.py does with model.eval() and torch.no_grad(). Timings are the median over the timed steps after warm-up;
// as in torch_bench.py the block of steps is repeated (at most 3 times)
// while max/min exceeds 1.3 and the attempt with the smallest spread is
// reported. flops_per_step counts 2·MACs of every convolution, transposed
// convolution and dense layer in one forward pass (x3 for a training step),
// as torch_bench.py does. With several workloads the command runs each in a
// child process so that peak_rss_mb (getrusage maxrss) is per workload.
// cpu_ms_per_step is the process CPU time of a step (both cores busy: twice
// the wall time), which is steadier than wall time on a shared machine.
//
// Threads: convnet's kernels use GOMAXPROCS goroutines (see the README's
// "Threads" section). -threads N sets GOMAXPROCS to N before anything runs
// (the GOMAXPROCS environment variable does the same); 0 keeps the
// default, the number of CPUs. The JSON line reports the count as threads.
//
// For profiling: -cpuprofile and -memprofile write pprof files of the timed
// steps; BENCH_OPS=1 prints the op types of the training graph and
// BENCH_PROG=1 the compiled Gorgonia program, on stderr.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/convnet-go/convnet/examples/internal/recipe"
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	"github.com/convnet-go/convnet/train"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var allWorkloads = []string{"W1", "W1-infer", "W2", "W2-infer", "W3", "W3-infer", "W4", "W4-infer"}

// spec describes one workload of torch_bench.py.
type spec struct {
	name          string // torch_bench.py's name
	batch         int
	in            []int // per-example input shape
	model         func() nn.Layer
	loss          string // "ce", "dice", "mse"
	steps, warmup int
}

func specFor(w string) (spec, error) {
	switch strings.TrimSuffix(w, "-infer") {
	case "W1":
		return spec{"lenet-mnist", 64, []int{1, 28, 28}, initialized(lenet), "ce", 30, 10}, nil
	case "W2":
		return spec{"resnet18-cifar", 32, []int{3, 32, 32}, initialized(resnet18), "ce", 10, 3}, nil
	case "W3":
		return spec{"unet-64", 8, []int{1, 64, 64}, func() nn.Layer {
			u := newUNet()
			if err := nn.Initialize(u, 0); err != nil {
				panic(err)
			}
			return u
		}, "dice", 20, 5}, nil
	case "W4":
		return spec{"conv-autoencoder-mnist", 64, []int{1, 28, 28}, initialized(autoencoder), "mse", 30, 10}, nil
	}
	return spec{}, errors.Errorf("unknown workload %q (want one of %v)", w, allWorkloads)
}

// initialized returns model with its weights drawn by nn.Initialize from
// seed 0 (containers do not initialise their children).
func initialized(model func() nn.Layer) func() nn.Layer {
	return func() nn.Layer {
		m := model()
		if err := nn.Initialize(m, 0); err != nil {
			panic(err)
		}
		return m
	}
}

// result is one JSON line.
type result struct {
	Workload      string    `json:"workload"`
	Name          string    `json:"name"`
	Mode          string    `json:"mode"`
	Batch         int       `json:"batch"`
	MsPerStep     float64   `json:"ms_per_step"`
	MsMin         float64   `json:"ms_min"`
	MsMax         float64   `json:"ms_max"`
	ImagesPerS    float64   `json:"images_per_s"`
	FlopsPerStep  int64     `json:"flops_per_step"`
	GFlops        float64   `json:"gflops"`
	PeakRSSMB     float64   `json:"peak_rss_mb"`
	Steps         int       `json:"steps"`
	Attempts      int       `json:"attempts"`
	AttemptMedian []float64 `json:"attempt_medians_ms"`
	Params        int       `json:"params"`
	Threads       int       `json:"threads"`
	Loss          float64   `json:"loss,omitempty"`
	BuildMs       float64   `json:"build_ms"`
	CPUMsPerStep  float64   `json:"cpu_ms_per_step"`
	AllocMBStep   float64   `json:"alloc_mb_per_step"`
	GCs           uint32    `json:"gc_cycles"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("benchmark: ")
	workload := flag.String("workload", "all", "workload: W1, W2, W3, W4 (training), W1-infer ... W4-infer, a comma-separated list, or all")
	threads := flag.Int("threads", 0, "threads (sets GOMAXPROCS; 0: keep GOMAXPROCS, by default the number of CPUs)")
	steps := flag.Int("steps", 0, "timed steps (0: torch_bench.py's count)")
	warmup := flag.Int("warmup", -1, "warm-up steps (-1: torch_bench.py's count)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	memprofile := flag.String("memprofile", "", "write an allocation profile to this file at the end")
	flag.Parse()
	if err := setThreads(*threads); err != nil {
		log.Fatal(err)
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 1 // every allocation, for per-step counts
	}

	if *workload == "all" {
		if err := runChildren(allWorkloads); err != nil {
			log.Fatal(err)
		}
		return
	}
	var list []string
	for _, w := range strings.Split(*workload, ",") {
		if w = strings.TrimSpace(w); w != "" {
			list = append(list, w)
		}
	}
	if len(list) > 1 {
		if err := runChildren(list); err != nil {
			log.Fatal(err)
		}
		return
	}
	r, err := run(list[0], *steps, *warmup, *cpuprofile)
	if err != nil {
		log.Fatal(err)
	}
	if *memprofile != "" {
		// the profile holds the allocations up to the last completed
		// collection: complete one so that it has them all
		runtime.GC()
		f, err := os.Create(*memprofile)
		if err == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	if err := recipe.PrintJSON(os.Stdout, r); err != nil {
		log.Fatal(err)
	}
}

// setThreads sets GOMAXPROCS to n, the number of goroutines convnet's
// kernels split their work over; n = 0 keeps it.
func setThreads(n int) error {
	if n < 0 {
		return errors.Errorf("-threads must be 0 (keep GOMAXPROCS = %d) or a positive count, got %d", runtime.GOMAXPROCS(0), n)
	}
	if n > 0 {
		runtime.GOMAXPROCS(n)
	}
	return nil
}

// runChildren runs the binary once per workload with the same flags.
func runChildren(list []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var pass []string
	flag.Visit(func(f *flag.Flag) {
		if f.Name != "workload" && f.Name != "cpuprofile" && f.Name != "memprofile" {
			pass = append(pass, fmt.Sprintf("-%s=%s", f.Name, f.Value))
		}
	})
	for _, w := range list {
		cmd := exec.Command(exe, append([]string{"-workload", w}, pass...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return errors.Wrapf(err, "workload %s", w)
		}
	}
	return nil
}

// stepper is one compiled workload: a function running one step.
type stepper struct {
	step  func() error
	flops int64
	loss  func() float64
	// output returns the model's output after a step (inference only).
	output func() ([]float64, error)
}

func run(w string, steps, warmup int, cpuprofile string) (*result, error) {
	sp, err := specFor(w)
	if err != nil {
		return nil, err
	}
	infer := strings.HasSuffix(w, "-infer")
	if steps <= 0 {
		steps = sp.steps
	}
	if warmup < 0 {
		warmup = sp.warmup
	}
	model := sp.model()
	t0 := time.Now()
	var st *stepper
	if infer {
		st, err = buildInfer(sp, model)
	} else {
		st, err = buildTrain(sp, model)
	}
	if err != nil {
		return nil, errors.Wrap(err, w)
	}
	build := time.Since(t0)

	if cpuprofile != "" {
		// profile the timed steps only: run the warm-up first
		for range warmup {
			if err := st.step(); err != nil {
				return nil, err
			}
		}
		warmup = 0
		f, err := os.Create(cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}

	var allocs uint64
	var gcs uint32
	total := 0
	var attempts, cpus [][]float64
	for range 3 {
		ts, cs, al, gc, err := timeSteps(st.step, steps, warmup)
		if err != nil {
			return nil, errors.Wrap(err, w)
		}
		attempts = append(attempts, ts)
		cpus = append(cpus, cs)
		total += steps
		allocs += al
		gcs += gc
		if slices.Max(ts) <= 1.3*slices.Min(ts) {
			break
		}
		warmup = 1
	}
	best, bestCPU := attempts[0], cpus[0]
	for i, a := range attempts[1:] {
		if slices.Max(a)/slices.Min(a) < slices.Max(best)/slices.Min(best) {
			best, bestCPU = a, cpus[i+1]
		}
	}
	med := median(best)
	r := &result{
		Workload: w, Name: sp.name, Mode: "train", Batch: sp.batch,
		MsPerStep: round3(med), MsMin: round3(slices.Min(best)), MsMax: round3(slices.Max(best)),
		ImagesPerS:   math.Round(float64(sp.batch)/med*1e4) / 10,
		FlopsPerStep: st.flops, GFlops: math.Round(float64(st.flops)/med/1e6*100) / 100,
		PeakRSSMB: peakRSSMB(), Steps: len(best), Attempts: len(attempts),
		Params: nn.NumParams(model), Threads: runtime.GOMAXPROCS(0), BuildMs: round3(build.Seconds() * 1e3),
		CPUMsPerStep: round3(median(bestCPU)),
		AllocMBStep:  round3(float64(allocs) / float64(max(1, total)) / (1 << 20)),
		GCs:          gcs,
	}
	if infer {
		r.Mode = "infer"
	}
	for _, a := range attempts {
		r.AttemptMedian = append(r.AttemptMedian, round3(median(a)))
	}
	if st.loss != nil {
		r.Loss = st.loss()
	}
	return r, nil
}

// timeSteps runs warmup steps, then returns the wall time and the process
// CPU time of each of steps steps, in milliseconds, and the bytes
// allocated and the garbage collections during the timed steps.
func timeSteps(step func() error, steps, warmup int) (wall, cpu []float64, alloc uint64, gcs uint32, err error) {
	for range warmup {
		if err := step(); err != nil {
			return nil, nil, 0, 0, err
		}
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range steps {
		t, c := time.Now(), processCPU()
		if err := step(); err != nil {
			return nil, nil, 0, 0, err
		}
		wall = append(wall, time.Since(t).Seconds()*1e3)
		cpu = append(cpu, processCPU()-c)
	}
	runtime.ReadMemStats(&m1)
	return wall, cpu, m1.TotalAlloc - m0.TotalAlloc, m1.NumGC - m0.NumGC, nil
}

// processCPU is the user and system CPU time of the process in ms.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec)*1e3 + float64(ru.Utime.Usec+ru.Stime.Usec)/1e3
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return math.Round(float64(ru.Maxrss)/1024*10) / 10 // Linux: kilobytes
}

// inputs draws the workload's input and target as torch_bench.py does (with
// Go's generator): x ~ N(0, 1) (uniform [0, 1) for W4), labels uniform in
// [0, 10) as one-hot rows, W3's target a {0, 1} mask with P(1) = 1/2.
func inputs(sp spec) (x, y *tensor.Dense) {
	rng := graph.NewRand(1)
	shape := append([]int{sp.batch}, sp.in...)
	n := 1
	for _, d := range shape {
		n *= d
	}
	xs := make([]float32, n)
	for i := range xs {
		if sp.loss == "mse" {
			xs[i] = rng.Float32()
		} else {
			xs[i] = float32(rng.NormFloat64())
		}
	}
	x = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(xs))
	switch sp.loss {
	case "ce":
		ys := make([]float32, sp.batch*10)
		for i := 0; i < sp.batch; i++ {
			ys[i*10+rng.IntN(10)] = 1
		}
		y = tensor.New(tensor.WithShape(sp.batch, 10), tensor.WithBacking(ys))
	case "dice":
		ys := make([]float32, n)
		for i := range ys {
			if rng.Float32() > 0.5 {
				ys[i] = 1
			}
		}
		y = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(ys))
	}
	return x, y
}

// forwardFlops is 2·MACs of the convolutions, transposed convolutions and
// dense layers the builder recorded.
func forwardFlops(b *graph.Builder) int64 {
	var macs int64
	for _, c := range b.Calls() {
		switch l := c.Layer.(type) {
		case *nn.Conv2D:
			ws := l.Weight().Shape() // (out, in, kh, kw)
			macs += int64(c.Out.Shape().TotalSize()) * int64(ws[1]*ws[2]*ws[3])
		case *nn.ConvTranspose2D:
			ws := l.Weight().Shape() // (in, out, kh, kw)
			macs += int64(c.In.Shape().TotalSize()) * int64(ws[1]*ws[2]*ws[3])
		case *nn.Dense:
			ws := l.Weight().Shape() // (out, in)
			macs += int64(c.Out.Shape().TotalSize()) * int64(ws[1])
		}
	}
	return 2 * macs
}

func buildInfer(sp spec, model nn.Layer) (*stepper, error) {
	// as nn.Predict builds it: BatchNorms fold into their convolutions
	b := graph.NewBuilder(graph.Eval, graph.WithInference())
	xt, _ := inputs(sp)
	x := b.InputValue("x", xt)
	out, err := model.Forward(b, x)
	if err != nil {
		return nil, err
	}
	var outV G.Value
	G.Read(out, &outV)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		return nil, err
	}
	output := func() ([]float64, error) {
		if outV == nil {
			return nil, errors.New("no output yet: run a step first")
		}
		return graph.ValueFloat64s(outV)
	}
	// counted on a graph without inference fusions: a Conv2D fused with
	// its MaxPool2D records the pooled output, not its own
	plain := graph.NewBuilder(graph.Eval)
	if _, err := model.Forward(plain, plain.InputValue("x", xt)); err != nil {
		return nil, err
	}
	return &stepper{step: func() error { return graph.Run(m) }, flops: forwardFlops(plain), output: output}, nil
}

func buildTrain(sp spec, model nn.Layer) (*stepper, error) {
	b := graph.NewBuilder(graph.Train)
	xt, yt := inputs(sp)
	x := b.InputValue("x", xt)
	out, err := model.Forward(b, x)
	if err != nil {
		return nil, err
	}
	flops := 3 * forwardFlops(b)
	var loss *G.Node
	switch sp.loss {
	case "ce":
		loss, err = ops.SoftmaxCrossEntropy(out, b.InputValue("y", yt))
	case "mse":
		loss, err = ops.MSE(out, x)
	case "dice":
		// torch_bench's Dice is one ratio over the whole batch; ours
		// averages per-sample ratios, so view the batch as one sample.
		whole := tensor.Shape{1, out.Shape().TotalSize()}
		var p *G.Node
		if p, err = ops.Reshape(out, whole...); err != nil {
			return nil, err
		}
		tt := yt.Clone().(*tensor.Dense)
		if err = tt.Reshape(whole...); err != nil {
			return nil, err
		}
		loss, err = ops.DiceLoss(p, b.InputValue("y", tt), 1)
	}
	if err != nil {
		return nil, err
	}
	var lossV G.Value
	G.Read(loss, &lossV)
	trainable := b.Trainable()
	nodes := graph.Nodes(trainable)
	grads, err := graph.Grad(loss, nodes...)
	if err != nil {
		return nil, err
	}
	if os.Getenv("BENCH_OPS") != "" {
		fmt.Fprintln(os.Stderr, opCounts(b.Graph()))
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		return nil, err
	}
	if os.Getenv("BENCH_PROG") != "" {
		fmt.Fprintln(os.Stderr, reflect.ValueOf(m).MethodByName("Prog").Call(nil)[0].Interface())
	}
	opt, err := train.NewAdam(1e-3)
	if err != nil {
		return nil, err
	}
	pgs := make([]train.ParamGrad, len(trainable))
	step := func() error {
		if err := graph.Run(m); err != nil {
			return err
		}
		// as train does: the gradient nodes' values after the run
		for i, bd := range trainable {
			pgs[i] = train.ParamGrad{Param: bd.Param, Grad: grads[i].Value().(*tensor.Dense)}
		}
		return opt.Step(pgs)
	}
	lossOf := func() float64 {
		v, err := graph.ValueFloat64s(lossV)
		if err != nil || len(v) == 0 {
			return math.NaN()
		}
		return v[0]
	}
	return &stepper{step: step, flops: flops, loss: lossOf}, nil
}

// opCounts lists the op types of g's nodes with their counts (debugging).
func opCounts(g *G.ExprGraph) map[string]int {
	c := map[string]int{}
	for _, n := range g.AllNodes() {
		if n.Op() == nil {
			c["<input>"]++
			continue
		}
		c[fmt.Sprintf("%T", n.Op())]++
	}
	return c
}
