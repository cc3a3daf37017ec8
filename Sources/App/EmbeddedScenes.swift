import FieldIO

/// Scenes built into the binary, so `fieldfit` runs with no files at all.
public enum EmbeddedScenes {
    /// The scene `fieldfit` runs when given no scene file: a 512×512 procedural image with sharp and smooth
    /// detail, fitted by instant-ngp's image model for 10 seconds.
    public static let defaultSceneText = """
    {
      "name": "demo",
      "task": "image",
      "data": {"procedural": "rings", "width": 512, "height": 512},
      "encoding": {"otype": "HashGrid", "n_levels": 16, "n_features_per_level": 2,
                   "log2_hashmap_size": 19, "base_resolution": 16},
      "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "Sigmoid",
                  "n_neurons": 64, "n_hidden_layers": 2},
      "loss": {"otype": "L2"},
      "optimizer": {"otype": "Adam", "learning_rate": 1e-2, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-15, "l2_reg": 0},
      "training": {"seconds": 10, "batch_size": 16384, "seed": 1337}
    }
    """

    /// The default scene, parsed.
    public static func defaultScene() throws(FieldError) -> Scene {
        try Scene(json: try JSONParser.parse(defaultSceneText, file: "<embedded demo scene>"),
                  file: "<embedded demo scene>", defaultName: "demo", resolvePathsAgainst: nil)
    }
}
