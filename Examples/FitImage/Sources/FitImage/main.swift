import FieldFit

// A 64×64 procedural image, instant-ngp's image model (hash grid → MLP) in tiny-cuda-nn's JSON, 300 Adam steps.
let image = ImageTask(width: 64, height: 64, channels: 3, pixels: ProceduralImage.make("blobs", width: 64, height: 64)!)
let model = try JSONParser.parse("""
    {"encoding": {"otype": "HashGrid", "n_levels": 8, "log2_hashmap_size": 14, "base_resolution": 8},
     "network": {"otype": "FullyFusedMLP", "n_neurons": 32, "n_hidden_layers": 2, "output_activation": "Sigmoid"},
     "loss": {"otype": "L2"}, "optimizer": {"otype": "Adam", "learning_rate": 1e-2}}
    """)
let trainer = try ModelFactory.makeTrainer(encoding: model["encoding"]!, network: model["network"]!, loss: model["loss"]!,
                                           optimizer: model["optimizer"]!, inputWidth: 2, outputWidth: 3,
                                           batchCapacity: 4096, seed: 1, file: "FitImage")
let pool = WorkerPool.allCores
var rng = RandomGenerator(seed: 1)
let input = FloatBuffer(count: 4096 * 2), target = FloatBuffer(count: 4096 * 3)
for _ in 0..<300 {
    image.sampleBatch(batch: 4096, input: input.pointer, targets: target.pointer, rng: &rng)
    _ = trainer.step(input: input.pointer, target: target.pointer, batch: 4096, pool: pool)
}
let pixels = image.pixelCentres(), prediction = FloatBuffer(count: image.pixelCount * 3)
trainer.infer(input: pixels.pointer, output: prediction.pointer, batch: image.pixelCount, pool: pool)
print("PSNR after 300 steps:", ImageMetrics.psnr(mse: image.meanSquaredError(prediction.pointer)))
