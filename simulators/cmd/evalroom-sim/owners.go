package main

import "github.com/evalroom/evalroom/simulators/room"

// The simulated rooms' owners: two districts of Liuzhou and two made-up
// agencies, spread so that every filter of the wall picks something
// different: jurisdictions alternate (room-1 柳江区, room-2 城中区, room-3
// 柳江区, …), agencies go in pairs (room-1 and room-2 示范, room-3 and
// room-4 样例, …).
var (
	simJurisdictions = [...][2]string{{"450206", "柳州市柳江区"}, {"450202", "柳州市城中区"}}
	simAgencies      = [...][2]string{{"lz-shifan", "柳州示范招标代理有限公司"}, {"gx-yangli", "广西样例项目管理有限公司"}}
)

// ownerOf is the owner of simulated room n (from 1).
func ownerOf(n int) room.Owner {
	j := simJurisdictions[(n-1)%len(simJurisdictions)]
	a := simAgencies[(n-1)/2%len(simAgencies)]
	return room.Owner{JurisdictionCode: j[0], JurisdictionName: j[1], AgencyID: a[0], AgencyName: a[1]}
}
