package node

// MergeWork lets the tests make the merge's bound small.
var MergeWork = &mergeWork
