// GLFW for fieldfit-viewer only; GL comes from CGL.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
