/// Geometry: algorithms on triangle meshes and scalar grids that the SDF task and the renderers
/// share (bounding volume hierarchy, exact distances, signs, marching cubes, mesh metrics).
public enum Geometry {}
