#version 330 core
// Shows a frame (the rendered field, or the overlay text with its alpha for blending).
uniform sampler2D image;
in vec2 uv;
out vec4 color;

void main() {
    color = texture(image, uv);
}
