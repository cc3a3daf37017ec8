import FieldIO

/// Scenes built into the binary, so `fieldfit` runs with no files at all.
public enum EmbeddedScenes {
    /// The image demo (`fieldfit demo-image`): a 512×512 procedural image with sharp and smooth detail,
    /// fitted by instant-ngp's image model for 10 seconds.
    public static let imageSceneText = """
    {
      "name": "demo-image",
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

    /// The SDF demo (`fieldfit demo-sdf`): a rounded box, a ball and a torus given by their exact distance
    /// functions, fitted for 10 seconds, then rendered and meshed.
    public static let sdfSceneText = """
    {
      "name": "demo-sdf",
      "task": "sdf",
      "data": {"shape": "trio"},
      "encoding": {"otype": "HashGrid", "n_levels": 12, "n_features_per_level": 2,
                   "log2_hashmap_size": 17, "base_resolution": 16},
      "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "None",
                  "n_neurons": 64, "n_hidden_layers": 2},
      "loss": {"otype": "MAPE"},
      "optimizer": {"otype": "Adam", "learning_rate": 5e-4, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-15},
      "training": {"seconds": 10, "batch_size": 16384, "seed": 1337},
      "render": {"orbit": 4, "width": 512, "height": 512}
    }
    """

    /// The scene `fieldfit` runs when given no scene file (`fieldfit demo`): a NeRF of coloured shapes that
    /// fieldfit renders itself (64 views of 80×80, every 8th held out), fitted for 20 seconds, then scored
    /// on the held-out views and rendered on an orbit.
    public static let nerfSceneText = """
    {
      "name": "demo",
      "task": "nerf",
      "data": {"procedural": "shapes", "views": 64, "width": 80, "height": 80, "test_every": 8},
      "encoding": {"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2,
                   "log2_hashmap_size": 16, "base_resolution": 16, "per_level_scale": 1.35},
      "nerf": {"grid_resolution": 64, "steps_per_diagonal": 512},
      "training": {"seconds": 20, "eval_every_seconds": 5, "seed": 1337},
      "render": {"orbit": 8, "width": 160, "height": 160}
    }
    """

    /// The embedded scenes by the name that selects them on the command line.
    public static let texts = ["demo": nerfSceneText, "demo-nerf": nerfSceneText, "demo-image": imageSceneText,
                               "demo-sdf": sdfSceneText]

    /// The default scene (the NeRF demo), parsed.
    public static func defaultScene() throws(FieldError) -> Scene {
        try named("demo")!
    }

    /// The embedded scene `name`, parsed; nil when there is none of that name.
    public static func named(_ name: String) throws(FieldError) -> Scene? {
        guard let text = texts[name] else { return nil }
        let file = "<embedded scene \(name)>"
        return try Scene(json: try JSONParser.parse(text, file: file), file: file, defaultName: name, resolvePathsAgainst: nil)
    }
}
