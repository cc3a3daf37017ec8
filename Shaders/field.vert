#version 330 core
// A textured rectangle without vertex buffers: four corners from gl_VertexID (triangle strip),
// placed at `rect` (x0, y0, x1, y1 in normalised device coordinates). Texture rows run top to bottom,
// so v is flipped.
uniform vec4 rect;
out vec2 uv;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    uv = vec2(corner.x, 1.0 - corner.y);
    gl_Position = vec4(mix(rect.xy, rect.zw, corner), 0.0, 1.0);
}
