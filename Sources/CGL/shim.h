// OpenGL core entry points (Mesa's libGL exports them; no loader needed).
#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>
