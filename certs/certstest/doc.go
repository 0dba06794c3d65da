// Package certstest helps test code built on package certs: a RecordStore
// that fails on demand (to prove that operations leave consistent state when
// storage fails midway), and conformance suites that any RecordStore or
// Storage implementation — for example an adapter over the embedding
// program's database — should pass.
//
//	func TestMyStore(t *testing.T) {
//		certstest.TestRecordStore(t, func(t *testing.T) certs.RecordStore {
//			return newMyStore(t)
//		})
//	}
//
// Inject faults around any RecordStore:
//
//	faulty := certstest.NewFaultyRecords(certs.NewMemRecordStore())
//	faulty.Inject(certstest.Fault{Op: certstest.OpSwap, Mode: certstest.FailAfter})
//	storage := certs.NewSealedStorage(faulty, keys)
package certstest
