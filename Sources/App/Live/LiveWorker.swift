import FieldIO
import Foundation
import Render
import TensorCore

/// The viewer's background thread: it owns the `LiveSession`, trains step after step and renders the
/// view the window asks for (coarse while the camera moves, refining when it stops), sharing its time
/// between the two by `TrainingBalance`. The window thread only exchanges small values with it under a
/// lock (the view it wants, the latest frame, the figures for the overlay), so the window never waits
/// on a training step or a render.
public final class LiveWorker: @unchecked Sendable {
    /// What the overlay shows, copied out under the lock.
    public struct Stats: Sendable {
        public var step = 0
        public var loss: Float = .nan
        /// The headline score at the last evaluation (e.g. "psnr 27.10 dB").
        public var headline: String?
        public var samplesPerSecond = 0.0
        /// Training is running (not paused, not finished).
        public var training = false
        public var paused = false
        /// The scene's step or time limit is reached.
        public var finished = false
        /// Grows with every training step.
        public var fieldVersion = 0
        /// Steps trained in this process and the seconds they took.
        public var trainedSteps = 0
        public var trainSeconds = 0.0
        /// The last message for the user (checkpoint saved, an error), or nil.
        public var message: String?
        /// A checkpoint of the current field is on disk (saved at or after the last training step).
        public var checkpointCurrent = false
        /// A training or checkpoint error that stopped training.
        public var failure: String?
    }

    private let session: LiveSession
    private let lock = NSCondition()
    private var camera: OrbitCamera
    private var mode: LiveMode
    private var viewVersion = 0
    private var paused: Bool
    private var stopping = false
    private var checkpointWanted = false
    private var frame: LiveFrame?
    private var stats = Stats()
    private var thread: Thread?
    private var balance: TrainingBalance
    private var scheduler = ProgressiveResolution()
    private let finishedCheckpoint: Bool

    /// A worker for `session`, showing `camera` in `mode`; training starts paused if `paused`.
    /// `renderShare` is the fraction of time renders may take while training runs. With
    /// `checkpointWhenFinished`, it saves a checkpoint when training reaches the scene's limit.
    public init(session: LiveSession, camera: OrbitCamera, mode: LiveMode, paused: Bool, renderShare: Double,
                checkpointWhenFinished: Bool = true) {
        self.session = session
        self.camera = camera
        self.mode = mode
        self.paused = paused
        balance = TrainingBalance(renderShare: renderShare)
        finishedCheckpoint = checkpointWhenFinished
        stats.paused = paused
        stats.step = session.step
        stats.headline = session.headline
        stats.finished = session.trainingFinished
    }

    /// Starts the thread.
    public func start() {
        let t = Thread { [self] in loop() }
        t.name = "fieldfit-viewer worker"
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    /// Asks the thread to stop after its current step or render and waits until it has.
    public func stop() {
        lock.lock()
        stopping = true
        lock.broadcast()
        lock.unlock()
        while let t = thread, !t.isFinished { usleep(1000) }
    }

    /// Sets the view to render (a change starts a new coarse-to-fine sequence).
    public func setView(camera newCamera: OrbitCamera, mode newMode: LiveMode) {
        lock.lock()
        if newCamera != camera || newMode != mode {
            camera = newCamera; mode = newMode; viewVersion += 1
            lock.broadcast()
        }
        lock.unlock()
    }

    /// Pauses or resumes training.
    public func setPaused(_ value: Bool) {
        lock.lock()
        paused = value; stats.paused = value
        lock.broadcast()
        lock.unlock()
    }

    /// Asks for a checkpoint of the current field (written between two steps).
    public func requestCheckpoint() {
        lock.lock()
        checkpointWanted = true
        lock.broadcast()
        lock.unlock()
    }

    /// The newest frame if its serial is above `serial`, else nil.
    public func frame(newerThan serial: Int) -> LiveFrame? {
        lock.lock(); defer { lock.unlock() }
        guard let f = frame, f.serial > serial else { return nil }
        return f
    }

    /// The figures for the overlay.
    public var currentStats: Stats {
        lock.lock(); defer { lock.unlock() }
        return stats
    }

    /// The version of the view last set (the window compares it with a frame's `viewVersion`).
    public var currentViewVersion: Int {
        lock.lock(); defer { lock.unlock() }
        return viewVersion
    }

    private func loop() {
        var fieldVersion = 0, serial = 0
        var shownView = -1
        while true {
            lock.lock()
            if stopping { lock.unlock(); return }
            let cam = camera, md = mode, view = viewVersion
            let wantsCheckpoint = checkpointWanted
            checkpointWanted = false
            let training = !paused && !session.trainingFinished && stats.failure == nil
            stats.training = training
            lock.unlock()

            if wantsCheckpoint { saveCheckpoint(reason: "checkpoint saved") }
            if view != shownView { scheduler.invalidate(); shownView = view }
            let full = cam.camera(scale: 1, trainingCameras: session.trainingCameras)
            let now = monotonicSeconds()
            let scale = scheduler.nextScale(cameraVersion: view, fieldVersion: fieldVersion,
                                            fullPixels: full.width * full.height, now: now)
            switch balance.next(renderWanted: scale != nil, training: training) {
            case .train:
                let t0 = monotonicSeconds()
                var failure: String?
                do { try session.trainStep() } catch { failure = error.description }
                let seconds = monotonicSeconds() - t0
                balance.spent(seconds, on: .train)
                fieldVersion += 1
                lock.lock()
                stats.step = session.step; stats.loss = session.lastLoss; stats.headline = session.headline
                stats.samplesPerSecond = session.samplesPerSecond; stats.fieldVersion = fieldVersion
                stats.trainedSteps += 1; stats.trainSeconds += seconds
                stats.finished = session.trainingFinished; stats.checkpointCurrent = false
                if let failure { stats.failure = failure; stats.message = failure }
                let finished = stats.finished
                lock.unlock()
                if finished && finishedCheckpoint { saveCheckpoint(reason: "training finished; checkpoint saved") }
            case .render:
                let s = scale ?? 1
                let cam = !session.usesCamera ? full : cam.camera(scale: s, trainingCameras: session.trainingCameras)
                let t0 = monotonicSeconds()
                let image = session.render(cam, mode: md, fieldVersion: fieldVersion)
                let bytes = LiveFrame.rgbaBytes(image)
                let seconds = monotonicSeconds() - t0
                balance.spent(seconds, on: .render)
                let effective = session.usesCamera ? s : 1
                scheduler.frameShown(cameraVersion: view, fieldVersion: fieldVersion, scale: effective,
                                     pixels: image.width * image.height, seconds: seconds, now: monotonicSeconds())
                serial += 1
                lock.lock()
                frame = LiveFrame(width: image.width, height: image.height, rgba: bytes, scale: effective, viewVersion: view,
                                  fieldVersion: fieldVersion, seconds: seconds, serial: serial)
                lock.unlock()
            case .idle:
                lock.lock()
                if !stopping && viewVersion == view && !checkpointWanted {
                    _ = lock.wait(until: Date(timeIntervalSinceNow: 0.05))
                }
                lock.unlock()
            }
        }
    }

    private func saveCheckpoint(reason: String) {
        var message = "\(reason) → \(session.folder)/checkpoint"
        var ok = true
        do { try session.saveCheckpoint() } catch { message = "checkpoint failed: \(error.description)"; ok = false }
        lock.lock()
        stats.message = message
        if ok { stats.checkpointCurrent = true }
        lock.unlock()
    }
}
