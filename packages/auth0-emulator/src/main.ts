// `npm start` in this package: an emulated Auth0 tenant with nothing in it but the Management API. A seeded
// tenant is started by a program that hands `runEmulatorCli` (or `startEmulator`) its seed.
import { runEmulatorCli } from "./cli.js";

await runEmulatorCli({
  banner: () => [
    "The tenant is empty: start the emulator from code with a seed (startEmulator({ seed })) to fill it",
  ],
});
