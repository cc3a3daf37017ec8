import App
import TensorCore
