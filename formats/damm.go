package formats

// dammTable is a totally anti-symmetric quasigroup of order 10 (H. Michael
// Damm, 2004). A Damm check digit catches every single-digit error and every
// transposition of adjacent digits.
var dammTable = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// dammDigit returns the interim digit after the digits (values 0-9); a
// digit string ending in its check digit yields 0.
func dammDigit(digits []byte) byte {
	var interim byte
	for _, d := range digits {
		interim = dammTable[interim][d]
	}
	return interim
}
