// Package hwtest runs the real edge agent against a real Linux kernel's
// video driver: Debian's kernel boots under qemu (TCG, no KVM needed) with
// the vivid test camera, the statically built evalroom-edge records
// /dev/video0 and uploads to a hub in the test process, and the test checks
// at the hub what a regulator would see, unplug and re-plug included.
//
// It needs qemu-system-x86, busybox-static, cpio and kmod from Debian and
// downloads the kernel package once into a cache; it runs only with
// EVALROOM_HW=1 (make test-hw), so that go test ./... stays fast.
package hwtest
