import Foundation

// fieldfit-viewer: the live viewer (its own product, so that `fieldfit` and the tests never link X or GL).
exit(ViewerApp.run(Array(CommandLine.arguments.dropFirst())))
