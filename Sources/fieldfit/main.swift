import App
import Foundation

exit(Fieldfit.main(Array(CommandLine.arguments.dropFirst())))
